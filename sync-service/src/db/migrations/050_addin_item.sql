-- An RDV booked from an appointment the agent is composing in Outlook: the add-in saves that appointment and
-- reports it, and the sync adopts it instead of creating an event of its own. Until this instant (business
-- clock) the (RDV, agent) link waits for the add-in's item; after it, the outbound sync creates the event as usual.
alter table outlook_events add column addin_item_until timestamptz;
