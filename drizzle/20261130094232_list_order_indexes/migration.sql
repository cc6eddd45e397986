CREATE INDEX `peering_services_customer_idx` ON `peering_services` (`customer_id`);--> statement-breakpoint
CREATE INDEX `prefixes_peering_service_idx` ON `prefixes` (`peering_service_id`);