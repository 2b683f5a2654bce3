-- CreateTable
CREATE TABLE "MemberSettings" (
    "guildId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "sampler" TEXT,
    "steps" INTEGER,
    "guidance" REAL,
    "aspect" TEXT,
    "count" INTEGER,
    "model" TEXT,
    "remix" BOOLEAN NOT NULL DEFAULT false,
    "variation" TEXT,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("guildId", "userId"),
    CONSTRAINT "MemberSettings_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "MemberSettings_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ShownMessage" (
    "messageId" TEXT NOT NULL PRIMARY KEY,
    "jobId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "ShownMessage_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ShownMessage_jobId_idx" ON "ShownMessage"("jobId");
