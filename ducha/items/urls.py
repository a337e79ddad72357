from ducha.items.views import calendar as calendar_views
from ducha.items.views import dashboard, ledger, workbench

urlpatterns = [
    *workbench.urlpatterns,
    *ledger.urlpatterns,
    *dashboard.urlpatterns,
    *calendar_views.urlpatterns,
]
