from django.urls import path

from alliance.conversations import views

urlpatterns = [
    path("conversations/", views.conversation_list, name="conversation_list"),
    path("conversations/new/", views.stake_new, name="stake_new"),
    path("conversations/<id:stake_id>/", views.conversation_detail, name="conversation_detail"),
    path("conversations/<id:stake_id>/board/", views.conversation_board, name="conversation_board"),
    path("conversations/<id:stake_id>/times/", views.stake_answer, name="stake_answer"),
    path("conversations/<id:stake_id>/other-times/", views.stake_counter, name="stake_counter"),
    path("conversations/<id:stake_id>/schedule/", views.stake_schedule, name="stake_schedule"),
    path(
        "conversations/<id:stake_id>/reschedule/", views.stake_reschedule, name="stake_reschedule"
    ),
    path("conversations/<id:stake_id>/cancel/", views.stake_cancel, name="stake_cancel"),
    path("conversations/<id:stake_id>/groundwork/", views.groundwork_edit, name="groundwork_edit"),
    path(
        "conversations/<id:stake_id>/invitation.ics",
        views.stake_invitation,
        name="stake_invitation",
    ),
    path(
        "conversations/<id:stake_id>/prompts/<id:prompt_id>/reflection/",
        views.reflection_submit,
        name="reflection_submit",
    ),
    path(
        "reflections/<id:reflection_id>/term/", views.reflection_to_term, name="reflection_to_term"
    ),
    path("prompts/", views.prompt_library, name="prompt_library"),
    path("prompts/<id:prompt_id>/", views.prompt_change, name="prompt_change"),
]
