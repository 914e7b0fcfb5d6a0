import HiveDriverError from './HiveDriverError';

/** The warehouse refused the credential, or none could be obtained. */
export default class AuthenticationError extends HiveDriverError {
  constructor(message?: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}
