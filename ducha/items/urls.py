from ducha.items.views import dashboard, ledger, workbench

urlpatterns = [*workbench.urlpatterns, *ledger.urlpatterns, *dashboard.urlpatterns]
