-- AlterTable
ALTER TABLE "EnrollmentToken" ADD COLUMN     "name" TEXT;
