/** The one error the engine throws: an input it cannot make sense of, naming the field at fault. */
export class AvailabilityInputError extends Error {
  readonly code = 'invalid_availability_input';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'AvailabilityInputError';
  }
}
