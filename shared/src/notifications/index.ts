/** Notifications to usagers: pure building blocks (texts, ICS, phone numbers, reminder plan, rules). */
export * from './types';
export * from './gsm7';
export * from './phone';
export * from './format';
export * from './sms-text';
export * from './email';
export * from './ics';
export * from './plan';
export * from './rules';
