-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "RegisterKind" AS ENUM ('ikkm', 'cash_core');

-- CreateEnum
CREATE TYPE "Currency" AS ENUM ('KZT', 'RUB');

-- CreateEnum
CREATE TYPE "OperatorRole" AS ENUM ('administrator', 'senior_cashier', 'cashier');

-- CreateEnum
CREATE TYPE "AdminRole" AS ENUM ('admin', 'viewer');

-- CreateEnum
CREATE TYPE "DocumentStatus" AS ENUM ('pending', 'done', 'failed', 'unknown');

-- CreateTable
CREATE TABLE "Organisation" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Organisation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Store" (
    "id" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'Asia/Almaty',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Store_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Agent" (
    "id" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "mqttUsername" TEXT NOT NULL,
    "mqttPasswordHash" TEXT NOT NULL,
    "version" TEXT,
    "online" BOOLEAN NOT NULL DEFAULT false,
    "lastSeenAt" TIMESTAMP(3),
    "lastHeartbeat" JSONB,
    "disabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Agent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EnrollmentToken" (
    "id" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "agentId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EnrollmentToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Register" (
    "id" TEXT NOT NULL,
    "storeId" TEXT NOT NULL,
    "agentId" TEXT,
    "kind" "RegisterKind" NOT NULL,
    "name" TEXT NOT NULL,
    "currency" "Currency" NOT NULL DEFAULT 'KZT',
    "serialNumber" TEXT,
    "registrationNumber" TEXT,
    "inn" TEXT,
    "config" JSONB NOT NULL,
    "reachable" BOOLEAN,
    "shiftOpen" BOOLEAN,
    "shiftNumber" INTEGER,
    "shiftOpenedAt" TIMESTAMP(3),
    "cashBalance" INTEGER,
    "offlineQueue" INTEGER NOT NULL DEFAULT 0,
    "warnings" JSONB,
    "lastError" JSONB,
    "stateUpdatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Register_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Operator" (
    "id" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "OperatorRole" NOT NULL,
    "pinEncrypted" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Operator_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OperatorRegister" (
    "operatorId" TEXT NOT NULL,
    "registerId" TEXT NOT NULL,
    "registerCode" INTEGER,
    "syncedAt" TIMESTAMP(3),

    CONSTRAINT "OperatorRegister_pkey" PRIMARY KEY ("operatorId","registerId")
);

-- CreateTable
CREATE TABLE "PosKey" (
    "id" TEXT NOT NULL,
    "registerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PosKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FiscalDocument" (
    "id" TEXT NOT NULL,
    "registerId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "commandId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "operation" TEXT,
    "status" "DocumentStatus" NOT NULL DEFAULT 'pending',
    "items" JSONB,
    "payments" JSONB,
    "total" INTEGER,
    "change" INTEGER,
    "fiscalId" TEXT,
    "checkNumber" INTEGER,
    "documentNumber" INTEGER,
    "shiftNumber" INTEGER,
    "qrPayload" TEXT,
    "deviceAnswer" JSONB,
    "error" JSONB,
    "answer" JSONB,
    "command" JSONB,
    "deadline" TIMESTAMP(3),
    "originChannel" TEXT NOT NULL,
    "originActor" TEXT,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),
    "deviceMs" INTEGER,

    CONSTRAINT "FiscalDocument_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shift" (
    "id" TEXT NOT NULL,
    "registerId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "openedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "zReport" JSONB,
    "sumSales" INTEGER NOT NULL DEFAULT 0,
    "sumReturns" INTEGER NOT NULL DEFAULT 0,
    "countSales" INTEGER NOT NULL DEFAULT 0,
    "countReturns" INTEGER NOT NULL DEFAULT 0,
    "sumInsert" INTEGER NOT NULL DEFAULT 0,
    "sumRemove" INTEGER NOT NULL DEFAULT 0,
    "cashBalance" INTEGER,

    CONSTRAINT "Shift_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdminUser" (
    "id" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "AdminRole" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AdminUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "details" JSONB,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Store_organisationId_idx" ON "Store"("organisationId");

-- CreateIndex
CREATE UNIQUE INDEX "Agent_mqttUsername_key" ON "Agent"("mqttUsername");

-- CreateIndex
CREATE INDEX "Agent_storeId_idx" ON "Agent"("storeId");

-- CreateIndex
CREATE UNIQUE INDEX "EnrollmentToken_tokenHash_key" ON "EnrollmentToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "EnrollmentToken_agentId_key" ON "EnrollmentToken"("agentId");

-- CreateIndex
CREATE INDEX "EnrollmentToken_organisationId_idx" ON "EnrollmentToken"("organisationId");

-- CreateIndex
CREATE INDEX "EnrollmentToken_storeId_idx" ON "EnrollmentToken"("storeId");

-- CreateIndex
CREATE INDEX "Register_storeId_idx" ON "Register"("storeId");

-- CreateIndex
CREATE INDEX "Register_agentId_idx" ON "Register"("agentId");

-- CreateIndex
CREATE INDEX "Operator_organisationId_idx" ON "Operator"("organisationId");

-- CreateIndex
CREATE INDEX "OperatorRegister_registerId_idx" ON "OperatorRegister"("registerId");

-- CreateIndex
CREATE UNIQUE INDEX "PosKey_keyHash_key" ON "PosKey"("keyHash");

-- CreateIndex
CREATE INDEX "PosKey_registerId_idx" ON "PosKey"("registerId");

-- CreateIndex
CREATE UNIQUE INDEX "FiscalDocument_commandId_key" ON "FiscalDocument"("commandId");

-- CreateIndex
CREATE INDEX "FiscalDocument_registerId_requestedAt_id_idx" ON "FiscalDocument"("registerId", "requestedAt", "id");

-- CreateIndex
CREATE INDEX "FiscalDocument_requestedAt_id_idx" ON "FiscalDocument"("requestedAt", "id");

-- CreateIndex
CREATE INDEX "FiscalDocument_registerId_completedAt_idx" ON "FiscalDocument"("registerId", "completedAt");

-- CreateIndex
CREATE INDEX "FiscalDocument_status_idx" ON "FiscalDocument"("status");

-- CreateIndex
CREATE INDEX "FiscalDocument_fiscalId_idx" ON "FiscalDocument"("fiscalId");

-- CreateIndex
CREATE INDEX "FiscalDocument_shiftNumber_idx" ON "FiscalDocument"("shiftNumber");

-- CreateIndex
CREATE UNIQUE INDEX "FiscalDocument_registerId_idempotencyKey_key" ON "FiscalDocument"("registerId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "Shift_openedAt_idx" ON "Shift"("openedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Shift_registerId_number_key" ON "Shift"("registerId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "AdminUser_email_key" ON "AdminUser"("email");

-- CreateIndex
CREATE INDEX "AdminUser_organisationId_idx" ON "AdminUser"("organisationId");

-- CreateIndex
CREATE INDEX "AuditLog_organisationId_at_id_idx" ON "AuditLog"("organisationId", "at", "id");

-- AddForeignKey
ALTER TABLE "Store" ADD CONSTRAINT "Store_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Agent" ADD CONSTRAINT "Agent_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnrollmentToken" ADD CONSTRAINT "EnrollmentToken_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnrollmentToken" ADD CONSTRAINT "EnrollmentToken_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnrollmentToken" ADD CONSTRAINT "EnrollmentToken_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Register" ADD CONSTRAINT "Register_storeId_fkey" FOREIGN KEY ("storeId") REFERENCES "Store"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Register" ADD CONSTRAINT "Register_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Operator" ADD CONSTRAINT "Operator_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OperatorRegister" ADD CONSTRAINT "OperatorRegister_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "Operator"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OperatorRegister" ADD CONSTRAINT "OperatorRegister_registerId_fkey" FOREIGN KEY ("registerId") REFERENCES "Register"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PosKey" ADD CONSTRAINT "PosKey_registerId_fkey" FOREIGN KEY ("registerId") REFERENCES "Register"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FiscalDocument" ADD CONSTRAINT "FiscalDocument_registerId_fkey" FOREIGN KEY ("registerId") REFERENCES "Register"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Shift" ADD CONSTRAINT "Shift_registerId_fkey" FOREIGN KEY ("registerId") REFERENCES "Register"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AdminUser" ADD CONSTRAINT "AdminUser_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
