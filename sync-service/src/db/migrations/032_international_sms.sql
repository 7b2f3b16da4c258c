-- international_sms: a feature switch for SMS to numbers outside the French numbering plan (foreign mobiles of
-- families near borders and newcomers). Such SMS cost more, so they stay off until a territory switches them on.
alter table feature_switches drop constraint feature_switches_feature_check;
alter table feature_switches add constraint feature_switches_feature_check
  check (feature in ('outlook_sync', 'sms_reminders', 'email_reminders', 'online_booking', 'sectorisation', 'waitlist', 'international_sms'));
