-- CreateTable
CREATE TABLE "MemberSettings" (
    "guildId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "sampler" TEXT,
    "steps" INTEGER,
    "guidance" DOUBLE PRECISION,
    "aspect" TEXT,
    "count" INTEGER,
    "model" TEXT,
    "remix" BOOLEAN NOT NULL DEFAULT false,
    "variation" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MemberSettings_pkey" PRIMARY KEY ("guildId","userId")
);

-- CreateTable
CREATE TABLE "ShownMessage" (
    "messageId" TEXT NOT NULL,
    "jobId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ShownMessage_pkey" PRIMARY KEY ("messageId")
);

-- CreateIndex
CREATE INDEX "ShownMessage_jobId_idx" ON "ShownMessage"("jobId");

-- AddForeignKey
ALTER TABLE "MemberSettings" ADD CONSTRAINT "MemberSettings_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MemberSettings" ADD CONSTRAINT "MemberSettings_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ShownMessage" ADD CONSTRAINT "ShownMessage_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
