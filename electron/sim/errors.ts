/**
 * Binance's error shape: HTTP status plus `{ code, msg }`. ccxt maps these to its error classes by
 * the exact `msg` first and the `code` second, so both are copied verbatim from Binance's docs.
 */

export class BinanceError extends Error {
  readonly status: number;
  readonly code: number;

  constructor(status: number, code: number, msg: string) {
    super(msg);
    this.name = 'BinanceError';
    this.status = status;
    this.code = code;
  }

  toJSON(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

export const errors = {
  unknown: () => new BinanceError(500, -1000, 'An unknown error occured while processing the request.'),
  // -1020 ("This operation is not supported.") makes ccxt raise BadRequest: a missing endpoint is a
  // caller's mistake, not a transient failure worth retrying (-1000 would map to OperationFailed).
  notFound: (method: string, path: string) =>
    new BinanceError(404, -1020, `Unknown endpoint: ${method} ${path} (not supported by the simulator).`),
  invalidApiKey: () => new BinanceError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  apiKeyFormat: () => new BinanceError(401, -2014, 'API-key format invalid.'),
  badSignature: () => new BinanceError(400, -1022, 'Signature for this request is not valid.'),
  outsideRecvWindow: () => new BinanceError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  aheadOfServer: () => new BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  recvWindowTooLarge: () => new BinanceError(400, -1131, 'recvWindow must be less than 60000'),
  mandatory: (param: string) => new BinanceError(400, -1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  eitherParam: (a: string, b: string) => new BinanceError(400, -1102, `Param '${a}' or '${b}' must be sent, but both were empty/null!`),
  notRequired: (param: string) => new BinanceError(400, -1106, `Parameter '${param}' sent when not required.`),
  illegalChars: (param: string) =>
    new BinanceError(400, -1100, `Illegal characters found in parameter '${param}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`),
  invalidValue: (param: string) => new BinanceError(400, -1130, `Data sent for parameter '${param}' is not valid.`),
  invalidSymbol: () => new BinanceError(400, -1121, 'Invalid symbol.'),
  invalidSide: () => new BinanceError(400, -1117, 'Invalid side.'),
  invalidType: () => new BinanceError(400, -1116, 'Invalid orderType.'),
  invalidTimeInForce: () => new BinanceError(400, -1115, 'Invalid timeInForce.'),
  filter: (name: string) => new BinanceError(400, -1013, `Filter failure: ${name}`),
  wouldTake: () => new BinanceError(400, -2010, 'Order would immediately match and take.'),
  insufficientBalance: () => new BinanceError(400, -2010, 'Account has insufficient balance for requested action.'),
  duplicateOrder: () => new BinanceError(400, -2010, 'Duplicate order sent.'),
  unknownOrder: () => new BinanceError(400, -2011, 'Unknown order sent.'),
  orderDoesNotExist: () => new BinanceError(400, -2013, 'Order does not exist.'),
  windowTooLong: (hours: number) => new BinanceError(400, -1127, `More than ${hours} hours between startTime and endTime.`),
  badCombination: () => new BinanceError(400, -1128, 'Combination of optional parameters invalid.'),
  // USDⓈ-M futures (fapi) codes, as its docs and real responses word them.
  marginInsufficient: () => new BinanceError(400, -2019, 'Margin is insufficient.'),
  reduceOnlyRejected: () => new BinanceError(400, -2022, 'ReduceOnly Order is rejected.'),
  postOnlyRejected: () =>
    new BinanceError(
      400,
      -5022,
      'Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history',
    ),
  notionalTooSmall: (min: number) =>
    new BinanceError(400, -4164, `Order's notional must be no smaller than ${min} (unless you choose reduce only).`),
  priceNotOnTick: () => new BinanceError(400, -4014, 'Price not increased by tick size.'),
  qtyPrecision: () => new BinanceError(400, -1111, 'Precision is over the maximum defined for this asset.'),
  qtyNotPositive: () => new BinanceError(400, -4003, 'Quantity less than or equal to zero.'),
  qtyTooLarge: () => new BinanceError(400, -4005, 'Quantity greater than max quantity.'),
  invalidLeverage: (leverage: number) => new BinanceError(400, -4028, `Leverage ${leverage} is not valid`),
};

/** An order is looked up by its id or its client id; a request naming neither is refused before any lookup. */
export function requireOrderRef(ref: { orderId?: number; origClientOrderId?: string }): void {
  if (ref.orderId === undefined && ref.origClientOrderId === undefined) throw errors.eitherParam('orderId', 'origClientOrderId');
}
