"""公示栏 · 居民提 (/wall): the communities' public boards and the residents' form, with no login.

Public: app.py runs it before the login gate, alone in its navigation (ui/kit/navigation.py)."""

from ui.kit.i18n import language_switch
from ui.wall import view as wall_view

community_id = wall_view.community_from_query()
if community_id is None:
    wall_view.communities_index()
else:
    wall_view.board(community_id)
language_switch(wall_view.language_slot())  # a public page has no sidebar: the switch goes last
