// Errors that the control API turns into a JSON response with a given status.
export function httpError(status, message) {
  const error = new Error(message);
  error.status = status;
  return error;
}
