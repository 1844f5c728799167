from django.urls import path

from mqis.opendata import views

urlpatterns = [
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/councils.csv", views.councils_csv, name="open_data_csv"),
]
