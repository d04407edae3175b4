from django.contrib import admin
from django.urls import path

from orders import views as order_views
from reports import views as report_views

urlpatterns = [
    path('admin/', admin.site.urls),
    path('orders/<int:order_id>/checkout/', order_views.checkout, name='checkout'),
    path('orders/<int:order_id>/refund/', order_views.refund, name='refund'),
    path('orders/<int:order_id>/resend-confirmation/', order_views.resend_confirmation, name='resend-confirmation'),
    path('webhooks/warehouse/', order_views.warehouse_webhook, name='warehouse-webhook'),
    path('reports/sales/', report_views.request_sales_report, name='sales-report'),
    path('reports/orders.csv', report_views.export_orders, name='export-orders'),
]
