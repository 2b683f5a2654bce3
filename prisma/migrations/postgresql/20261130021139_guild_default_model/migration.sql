-- AlterTable
ALTER TABLE "Guild" ADD COLUMN     "defaultModel" TEXT;
