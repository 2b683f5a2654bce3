-- AlterTable
ALTER TABLE "ModAction" ADD COLUMN     "interactionId" TEXT,
ADD COLUMN     "pending" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE UNIQUE INDEX "ModAction_interactionId_key" ON "ModAction"("interactionId");
