CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`token_hash` text NOT NULL,
	`role` text NOT NULL,
	`customer_id` integer,
	`partner_id` integer,
	`description` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT `fk_api_tokens_customer_id_customers_id_fk` FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON DELETE CASCADE,
	CONSTRAINT `fk_api_tokens_partner_id_partners_id_fk` FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE `countries` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `customer_locations` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`country_id` integer NOT NULL,
	`state` text NOT NULL,
	`azure_region` text NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	CONSTRAINT `fk_customer_locations_country_id_countries_id_fk` FOREIGN KEY (`country_id`) REFERENCES `countries`(`id`) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE `customers` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `latency_buckets` (
	`measured_prefix` text NOT NULL,
	`granularity` text NOT NULL,
	`start` integer NOT NULL,
	`sample_count` integer NOT NULL,
	`min_ms` real NOT NULL,
	`max_ms` real NOT NULL,
	`p50_ms` real NOT NULL,
	`p95_ms` real NOT NULL,
	`p99_ms` real NOT NULL,
	`sketch` blob NOT NULL,
	CONSTRAINT `latency_buckets_pk` PRIMARY KEY(`measured_prefix`, `granularity`, `start`)
);
--> statement-breakpoint
CREATE TABLE `partner_peering_locations` (
	`partner_id` integer NOT NULL,
	`peering_location_id` integer NOT NULL,
	CONSTRAINT `partner_peering_locations_pk` PRIMARY KEY(`partner_id`, `peering_location_id`),
	CONSTRAINT `fk_partner_peering_locations_partner_id_partners_id_fk` FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON DELETE CASCADE,
	CONSTRAINT `fk_partner_peering_locations_peering_location_id_peering_locations_id_fk` FOREIGN KEY (`peering_location_id`) REFERENCES `peering_locations`(`id`) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE `partner_prefix_registrations` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`partner_id` integer NOT NULL,
	`prefix` text NOT NULL,
	`family` integer NOT NULL,
	`range_start` text NOT NULL,
	`range_end` text NOT NULL,
	`prefix_key` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT `fk_partner_prefix_registrations_partner_id_partners_id_fk` FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE `partners` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`asn` integer NOT NULL,
	`markets` text NOT NULL,
	`source` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `peering_locations` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`name` text NOT NULL,
	`country` text NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL
);
--> statement-breakpoint
CREATE TABLE `peering_services` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`customer_id` integer NOT NULL,
	`name` text NOT NULL,
	`partner_id` integer NOT NULL,
	`customer_location_id` integer NOT NULL,
	`primary_peering_location_id` integer NOT NULL,
	`backup_peering_location_id` integer,
	`provisioning_state` text DEFAULT 'SUCCEEDED' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT `fk_peering_services_customer_id_customers_id_fk` FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON DELETE CASCADE,
	CONSTRAINT `fk_peering_services_partner_id_partners_id_fk` FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON DELETE RESTRICT,
	CONSTRAINT `fk_peering_services_customer_location_id_customer_locations_id_fk` FOREIGN KEY (`customer_location_id`) REFERENCES `customer_locations`(`id`) ON DELETE RESTRICT,
	CONSTRAINT `fk_peering_services_primary_peering_location_id_peering_locations_id_fk` FOREIGN KEY (`primary_peering_location_id`) REFERENCES `peering_locations`(`id`) ON DELETE RESTRICT,
	CONSTRAINT `fk_peering_services_backup_peering_location_id_peering_locations_id_fk` FOREIGN KEY (`backup_peering_location_id`) REFERENCES `peering_locations`(`id`) ON DELETE RESTRICT
);
--> statement-breakpoint
CREATE TABLE `peering_sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`partner_id` integer NOT NULL,
	`peering_location_id` integer NOT NULL,
	`router_name` text NOT NULL,
	`peer_address` text NOT NULL,
	`demo` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT `fk_peering_sessions_partner_id_partners_id_fk` FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON DELETE CASCADE,
	CONSTRAINT `fk_peering_sessions_peering_location_id_peering_locations_id_fk` FOREIGN KEY (`peering_location_id`) REFERENCES `peering_locations`(`id`) ON DELETE RESTRICT
);
--> statement-breakpoint
CREATE TABLE `prefix_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT,
	`prefix_id` integer NOT NULL,
	`peering_service_id` integer NOT NULL,
	`customer_id` integer NOT NULL,
	`partner_id` integer NOT NULL,
	`occurred_at` integer NOT NULL,
	`type` text NOT NULL,
	`azure_event_type` text NOT NULL,
	`level` text NOT NULL,
	`level_rank` integer NOT NULL,
	`summary` text NOT NULL,
	`description` text NOT NULL,
	`observed_prefix` text NOT NULL,
	`observed_family` integer NOT NULL,
	`observed_range_start` text NOT NULL,
	`observed_range_end` text NOT NULL,
	`observed_origin_asn` integer,
	`expected_origin_asns` text NOT NULL,
	`as_path` text,
	`peers_seen` integer,
	CONSTRAINT `fk_prefix_events_prefix_id_prefixes_id_fk` FOREIGN KEY (`prefix_id`) REFERENCES `prefixes`(`id`) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE `prefix_watch_state` (
	`prefix_id` integer NOT NULL,
	`key` text NOT NULL,
	`data` text,
	`opened_at` integer NOT NULL,
	CONSTRAINT `prefix_watch_state_pk` PRIMARY KEY(`prefix_id`, `key`),
	CONSTRAINT `fk_prefix_watch_state_prefix_id_prefixes_id_fk` FOREIGN KEY (`prefix_id`) REFERENCES `prefixes`(`id`) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE `prefixes` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`peering_service_id` integer NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`family` integer NOT NULL,
	`range_start` text NOT NULL,
	`range_end` text NOT NULL,
	`prefix_key` text NOT NULL,
	`validation_state` text DEFAULT 'PENDING' NOT NULL,
	`learned_type` text DEFAULT 'NONE' NOT NULL,
	`error_message` text,
	`validated_at` integer,
	`expected_origin_asns` text DEFAULT '[]' NOT NULL,
	`expected_upstream_asns` text DEFAULT '[]' NOT NULL,
	`latency_threshold_ms` real,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT `fk_prefixes_peering_service_id_peering_services_id_fk` FOREIGN KEY (`peering_service_id`) REFERENCES `peering_services`(`id`) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE TABLE `route_states` (
	`peer` text NOT NULL,
	`prefix` text NOT NULL,
	`family` integer NOT NULL,
	`range_start` text NOT NULL,
	`range_end` text NOT NULL,
	`peer_asn` integer NOT NULL,
	`host` text NOT NULL,
	`session_id` integer,
	`announced` integer NOT NULL,
	`as_path` text NOT NULL,
	`origin_asn` integer,
	`communities` text NOT NULL,
	`last_announced_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT `route_states_pk` PRIMARY KEY(`peer`, `prefix`),
	CONSTRAINT `fk_route_states_session_id_peering_sessions_id_fk` FOREIGN KEY (`session_id`) REFERENCES `peering_sessions`(`id`) ON DELETE SET NULL
);
--> statement-breakpoint
CREATE TABLE `route_updates` (
	`id` integer PRIMARY KEY AUTOINCREMENT,
	`received_at` integer NOT NULL,
	`timestamp` integer NOT NULL,
	`host` text NOT NULL,
	`peer` text NOT NULL,
	`peer_asn` integer NOT NULL,
	`message` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `telemetry_meta` (
	`key` text PRIMARY KEY,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_idx` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `countries_name_idx` ON `countries` (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX `customer_locations_country_state_idx` ON `customer_locations` (`country_id`,lower("state"));--> statement-breakpoint
CREATE UNIQUE INDEX `customers_name_idx` ON `customers` (lower("name"));--> statement-breakpoint
CREATE INDEX `partner_peering_locations_location_idx` ON `partner_peering_locations` (`peering_location_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `partner_prefix_registrations_prefix_idx` ON `partner_prefix_registrations` (`prefix`);--> statement-breakpoint
CREATE INDEX `partner_prefix_registrations_family_range_start_idx` ON `partner_prefix_registrations` (`family`,`range_start`);--> statement-breakpoint
CREATE UNIQUE INDEX `partner_prefix_registrations_prefix_key_idx` ON `partner_prefix_registrations` (`prefix_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `partners_name_idx` ON `partners` (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX `peering_locations_name_idx` ON `peering_locations` (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX `peering_services_customer_name_idx` ON `peering_services` (`customer_id`,lower("name"));--> statement-breakpoint
CREATE INDEX `peering_services_partner_idx` ON `peering_services` (`partner_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `peering_sessions_peer_address_idx` ON `peering_sessions` (`peer_address`);--> statement-breakpoint
CREATE INDEX `peering_sessions_partner_location_idx` ON `peering_sessions` (`partner_id`,`peering_location_id`);--> statement-breakpoint
CREATE INDEX `prefix_events_prefix_seq_idx` ON `prefix_events` (`prefix_id`,`seq`);--> statement-breakpoint
CREATE INDEX `prefix_events_service_seq_idx` ON `prefix_events` (`peering_service_id`,`seq`);--> statement-breakpoint
CREATE INDEX `prefix_events_customer_seq_idx` ON `prefix_events` (`customer_id`,`seq`);--> statement-breakpoint
CREATE INDEX `prefix_events_partner_seq_idx` ON `prefix_events` (`partner_id`,`seq`);--> statement-breakpoint
CREATE INDEX `prefix_events_occurred_at_idx` ON `prefix_events` (`occurred_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `prefixes_peering_service_name_idx` ON `prefixes` (`peering_service_id`,lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX `prefixes_prefix_idx` ON `prefixes` (`prefix`);--> statement-breakpoint
CREATE INDEX `prefixes_family_range_start_idx` ON `prefixes` (`family`,`range_start`);--> statement-breakpoint
CREATE INDEX `prefixes_validation_state_idx` ON `prefixes` (`validation_state`);--> statement-breakpoint
CREATE INDEX `route_states_family_range_start_idx` ON `route_states` (`family`,`range_start`);--> statement-breakpoint
CREATE INDEX `route_states_prefix_idx` ON `route_states` (`prefix`);--> statement-breakpoint
CREATE INDEX `route_updates_received_at_idx` ON `route_updates` (`received_at`);