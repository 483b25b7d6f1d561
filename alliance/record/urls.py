from django.urls import path

from alliance.record import views

urlpatterns = [
    path("profile/data/", views.data_copy, name="data_copy"),
    path("profile/data/<str:token>/", views.data_copy_download, name="data_copy_download"),
]
