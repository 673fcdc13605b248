/**
 * One line for an SDK failure. The SDK's MessagingError keeps its kind in `code` (ServerBusyError,
 * MessagingEntityNotFoundError), and after several failed attempts it throws an AggregateError of them all:
 * the last attempt says what finally went wrong.
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return `${describeError(error.errors[error.errors.length - 1])} (after ${error.errors.length} attempts)`;
  }
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const kind = typeof code === "string" && code !== "" ? code : error.name;
  return `${kind}: ${error.message.split("\n")[0]}`;
}
