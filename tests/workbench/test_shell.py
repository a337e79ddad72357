"""The signed-in web shell: Chinese login, the user's items, item pages in scope, the Chinese admin."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items.lifecycle import ItemStatus
from tests.helpers import item_in


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_login_page_is_chinese(client, world):
    response = client.get("/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert "登录" in html and "用户名" in html and "密码" in html


def test_signing_in_with_a_demo_account_leads_home(client, world):
    response = client.post("/login/", {"username": "office", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "我的事项" in client.get("/").content.decode()


def test_wrong_password_is_refused_in_chinese(client, world):
    response = client.post("/login/", {"username": "office", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_home_lists_only_the_users_items(browser, world):
    mine = item_in(world, ItemStatus.ASSIGNED, title="发改局的事项")
    from ducha.items import services

    other = services.item_create(
        actor=world.user("office"),
        title="住建局的事项",
        source_type="other",
        lead_unit_id=world.departments["zjj"].pk,
    )
    html = browser("fgw").get("/").content.decode()
    assert mine.title in html and mine.number in html
    assert other.title not in html


def test_item_page_shows_the_actions_the_user_may_take(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    response = browser("fgw").get(f"/items/{item.pk}/")
    assert item.title in response.content.decode()
    labels = [str(action.label) for action in response.context["actions"]]
    # before signing, signing is the one thing waiting on the lead unit
    assert labels == ["签收"]


def test_item_page_out_of_scope_is_not_found(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    assert browser("zjj").get(f"/items/{item.pk}/").status_code == 404


def test_a_malformed_cursor_does_not_break_the_home_page(browser, world):
    assert browser("office").get("/?cursor=garbage").status_code == 200


def test_home_page_query_count_does_not_grow_with_items(browser, world):
    client = browser("office")
    for _ in range(3):
        item_in(world, ItemStatus.ASSIGNED)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(12):
        item_in(world, ItemStatus.ASSIGNED)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_admin_is_chinese(browser, world):
    html = browser("admin").get("/admin/").content.decode()
    assert "督查督办平台" in html
    assert "单位" in html


def test_admin_item_list_hides_secret_items(browser, world):
    secret = item_in(world, ItemStatus.ASSIGNED, confidentiality="secret", title="涉密事项甲")
    plain = item_in(world, ItemStatus.ASSIGNED, title="普通事项乙")
    html = browser("admin").get("/admin/items/item/").content.decode()
    assert plain.title in html
    assert secret.title not in html


def test_the_interface_is_chinese_whatever_the_browser_asks_for(client, world):
    html = client.get("/login/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "登录" in html and "Sign in" not in html
