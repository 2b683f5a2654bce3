-- AlterTable
ALTER TABLE "Job" ADD COLUMN "chaos" INTEGER;
