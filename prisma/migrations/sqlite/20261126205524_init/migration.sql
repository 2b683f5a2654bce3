-- CreateTable
CREATE TABLE "Guild" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "defaultDailyQuota" INTEGER,
    "moderatorRoleId" TEXT,
    "maxQueuePerGuild" INTEGER,
    "maxJobsPerUser" INTEGER,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Job" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "parentJobId" INTEGER,
    "parentImageIndex" INTEGER,
    "guildId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "negativePrompt" TEXT,
    "steps" INTEGER NOT NULL,
    "guidance" REAL NOT NULL,
    "sampler" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "seed" BIGINT NOT NULL,
    "strength" REAL,
    "model" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "cost" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "durationMs" INTEGER,
    "interactionId" TEXT,
    "interactionToken" TEXT,
    "tokenExpiresAt" DATETIME,
    "replyMessageId" TEXT,
    "resultMessageId" TEXT,
    "fallbackMessageId" TEXT,
    CONSTRAINT "Job_parentJobId_fkey" FOREIGN KEY ("parentJobId") REFERENCES "Job" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Job_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Job_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Image" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "jobId" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "seed" BIGINT NOT NULL,
    "path" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "Image_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "UserQuota" (
    "guildId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "dailyAllowance" INTEGER,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("guildId", "userId"),
    CONSTRAINT "UserQuota_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "UserQuota_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "QuotaLedger" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,
    "bonusDelta" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL,
    "jobId" INTEGER,
    "actorId" TEXT,
    "note" TEXT,
    "periodAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "QuotaLedger_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "QuotaLedger_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "QuotaLedger_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "BannedWord" (
    "guildId" TEXT NOT NULL,
    "word" TEXT NOT NULL,
    "addedBy" TEXT,
    "createdAt" DATETIME NOT NULL,

    PRIMARY KEY ("guildId", "word"),
    CONSTRAINT "BannedWord_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ModAction" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "details" TEXT,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "ModAction_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Job_status_createdAt_idx" ON "Job"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Job_guildId_status_idx" ON "Job"("guildId", "status");

-- CreateIndex
CREATE INDEX "Job_userId_createdAt_idx" ON "Job"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "Job_resultMessageId_idx" ON "Job"("resultMessageId");

-- CreateIndex
CREATE UNIQUE INDEX "Image_jobId_index_key" ON "Image"("jobId", "index");

-- CreateIndex
CREATE INDEX "QuotaLedger_guildId_userId_periodAt_idx" ON "QuotaLedger"("guildId", "userId", "periodAt");

-- CreateIndex
CREATE UNIQUE INDEX "QuotaLedger_jobId_reason_key" ON "QuotaLedger"("jobId", "reason");

-- CreateIndex
CREATE INDEX "ModAction_guildId_createdAt_idx" ON "ModAction"("guildId", "createdAt");
