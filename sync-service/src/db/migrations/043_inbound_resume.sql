-- Inbound sync: the link to the next page of a delta round in progress, saved in the same transaction as the
-- busy blocks of the page before it. A round interrupted (crash, Graph failure) resumes from there instead of
-- replaying its start link: replayed from the start, the round would no longer be told of an event that an
-- earlier page had imported and that was deleted since, and its busy block would stay for ever.
alter table sync_mailboxes add column delta_next_link text;
