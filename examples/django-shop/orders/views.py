import json

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from emails.tasks import send_order_confirmation
from . import services
from .models import Order


@require_POST
def checkout(request, order_id):
    order = get_object_or_404(Order, pk=order_id, customer=request.user)
    services.place_order(order, express=request.POST.get('express') == '1')
    return JsonResponse({'order': order.pk, 'status': 'processing'}, status=202)


@staff_member_required
@require_POST
def refund(request, order_id):
    order = get_object_or_404(Order, pk=order_id)
    try:
        amount = int(request.POST['amount_cents'])
    except (KeyError, ValueError):
        return HttpResponseBadRequest('amount_cents is required')
    services.refund_order(order, amount)
    return JsonResponse({'order': order.pk, 'refund': amount}, status=202)


@staff_member_required
@require_POST
def resend_confirmation(request, order_id):
    order = get_object_or_404(Order, pk=order_id)
    # Support asked for it: give the customer a minute to fix their address first.
    send_order_confirmation.apply_async((order.pk,), queue='emails', countdown=60)
    return JsonResponse({'order': order.pk, 'resent': True}, status=202)


@csrf_exempt
@require_POST
def warehouse_webhook(request):
    payload = json.loads(request.body or b'{}')
    services.request_inventory_sync(payload.get('skus', []))
    return JsonResponse({'ok': True}, status=202)
