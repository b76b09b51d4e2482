/** Payments: Stripe, Square, PayPal/Braintree. */
import type { Detector } from '../detector.js';
import { token } from './build.js';

export const paymentDetectors: Detector[] = [
  token({ id: 'stripe-secret-key', description: 'Stripe secret key (live)', prefixes: ['sk_live_'], body: '[A-Za-z0-9]{20,250}', priority: 60 }),
  token({ id: 'stripe-restricted-key', description: 'Stripe restricted key (live)', prefixes: ['rk_live_'], body: '[A-Za-z0-9]{20,250}', priority: 60 }),
  token({ id: 'stripe-test-key', description: 'Stripe secret/restricted key (test mode)', prefixes: ['sk_test_', 'rk_test_'], body: '[A-Za-z0-9]{20,250}', priority: 55 }),
  token({ id: 'stripe-webhook-secret', description: 'Stripe webhook signing secret', prefixes: ['whsec_'], body: '[A-Za-z0-9]{24,80}', priority: 60 }),
  token({ id: 'square-access-token', description: 'Square access token / OAuth secret', prefixes: ['sq0atp-', 'sq0csp-', 'EAAA'], body: '[A-Za-z0-9_\\-]{22,70}', priority: 55 }),
  token({
    id: 'braintree-access-token',
    description: 'PayPal Braintree access token',
    prefixes: ['access_token$production$', 'access_token$sandbox$'],
    body: '[a-z0-9]{16}\\$[a-f0-9]{32}',
    chars: 'A-Za-z0-9_$',
    priority: 60,
  }),
];
