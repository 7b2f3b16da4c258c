-- Inbound sync (Outlook → store): a delta link keeps the window of the round that started it, so the service
-- remembers that window's start to re-base the rolling window (a full resync) once it has drifted too far.
alter table sync_mailboxes add column delta_window_start timestamptz;
