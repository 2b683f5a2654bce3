-- AlterTable
ALTER TABLE "Job" ADD COLUMN "canvas" TEXT;
