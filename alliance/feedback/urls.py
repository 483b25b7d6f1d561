from django.urls import path

from alliance.feedback import views

urlpatterns = [
    path("review/", views.review_text, name="feedback_review"),
]
