-- Inbound sync: our events that a delta link cannot report. A delta round tells of changes to the events its
-- start link knew; an event we created after that link's round started, then deleted in Outlook before the next
-- round, is never reported at all. The times below (database clock) let a round find such events and ask Graph
-- about each: when the link's event was made (or adopted), and when the round behind the current delta link began.
alter table outlook_events add column event_born_at timestamptz;
alter table sync_mailboxes add column delta_round_started_at timestamptz, add column delta_since timestamptz;
