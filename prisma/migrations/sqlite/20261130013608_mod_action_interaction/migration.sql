-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ModAction" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "guildId" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "details" TEXT,
    "createdAt" DATETIME NOT NULL,
    "interactionId" TEXT,
    "pending" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "ModAction_guildId_fkey" FOREIGN KEY ("guildId") REFERENCES "Guild" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ModAction" ("action", "actorId", "createdAt", "details", "guildId", "id", "target") SELECT "action", "actorId", "createdAt", "details", "guildId", "id", "target" FROM "ModAction";
DROP TABLE "ModAction";
ALTER TABLE "new_ModAction" RENAME TO "ModAction";
CREATE UNIQUE INDEX "ModAction_interactionId_key" ON "ModAction"("interactionId");
CREATE INDEX "ModAction_guildId_createdAt_idx" ON "ModAction"("guildId", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
