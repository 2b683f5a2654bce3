-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "attachmentSizeLimit" INTEGER;
