"""Every page has an icon (no 404 for /favicon.ico), and the admin carries Rapport's name."""

from django.contrib.staticfiles import finders


def test_the_favicon_is_served_at_the_site_root(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_every_page_links_its_vendored_icon(client, student):
    client.force_login(student)
    page = client.get("/practice/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("favicon.svg")


def test_the_login_page_links_the_icon_too(client, db):
    assert b'rel="icon"' in client.get("/accounts/login/").content


def test_the_admin_is_branded_rapport_administration(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Rapport administration" in page
    assert "Django administration" not in page
    assert 'rel="icon"' in page


def test_the_admin_login_is_branded_too(client, db):
    page = client.get("/admin/login/").content.decode()
    assert "<title>Log in | Rapport administration</title>" in page
