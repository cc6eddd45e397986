CREATE TABLE `feeds` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`messages_received` integer DEFAULT 0 NOT NULL,
	`last_message_at` integer,
	`last_seen_at` integer,
	`connected` integer,
	`reconnects` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_error_at` integer,
	`gap_started_at` integer,
	`gap_ended_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `peering_sessions` ADD `state` text DEFAULT 'UNKNOWN' NOT NULL;--> statement-breakpoint
ALTER TABLE `peering_sessions` ADD `state_changed_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `feeds_kind_name_idx` ON `feeds` (`kind`,`name`);