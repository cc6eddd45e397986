ALTER TABLE `api_tokens` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `revoked_at` integer;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `last_used_at` integer;--> statement-breakpoint
ALTER TABLE `prefix_events` ADD `recorded_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `prefix_events_recorded_at_idx` ON `prefix_events` (`recorded_at`);--> statement-breakpoint
-- Events recorded before this column existed: their BGP time is the best arrival time known.
UPDATE `prefix_events` SET `recorded_at` = `occurred_at` WHERE `recorded_at` = 0;
