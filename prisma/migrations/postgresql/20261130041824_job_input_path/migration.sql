-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "inputPath" TEXT;
