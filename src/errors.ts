/**
 * An error whose message is meant for the user as it is: the CLI prints it as one line, without a
 * stack trace, and exits with code 2. Kept in a module of its own, with no dependencies, so the CLI
 * can recognise these errors without loading what throws them.
 */
export class UserFacingError extends Error {}
