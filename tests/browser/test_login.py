def test_a_demo_user_signs_in_and_sees_the_workbench(page_for, screenshot):
    page = page_for("office")
    assert "督查督办平台" in page.title() or "督查督办平台" in page.content()
    screenshot(page, "home")
