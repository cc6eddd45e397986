DROP INDEX IF EXISTS `prefix_events_occurred_at_idx`;--> statement-breakpoint
DROP INDEX IF EXISTS `prefix_events_recorded_at_idx`;--> statement-breakpoint
DROP INDEX IF EXISTS `route_states_prefix_idx`;