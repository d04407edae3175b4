from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from shop.celery import app
from .tasks import export_orders_csv, refresh_dashboard_cache


@staff_member_required
@require_POST
def request_sales_report(request):
    result = app.send_task('reports.tasks.generate_sales_report', args=[request.POST.get('day')])
    refresh_dashboard_cache.delay()
    return JsonResponse({'task_id': result.id}, status=202)


@staff_member_required
@require_POST
def export_orders(request):
    result = export_orders_csv.apply_async(
        args=(request.user.pk,),
        kwargs={'status': request.POST.get('status')},
        queue='reports',
    )
    return JsonResponse({'task_id': result.id}, status=202)
