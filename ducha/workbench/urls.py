from ducha.workbench.views import calendar as calendar_views
from ducha.workbench.views import dashboard, ledger, workbench

urlpatterns = [
    *workbench.urlpatterns,
    *ledger.urlpatterns,
    *dashboard.urlpatterns,
    *calendar_views.urlpatterns,
]
