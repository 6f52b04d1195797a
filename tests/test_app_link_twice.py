"""A link that gives a name twice with two values is said and the name left out (fresh17): Streamlit's
st.query_params.get keeps the last, so '?params=70e9+param&params=80e9+param' answered for 80e9 without a word,
as the command line's --params given twice and a scenario file's name written twice did."""

from apppage import open_page


def test_a_name_given_twice_in_a_link_is_said_and_left_out():
    at = open_page("app_pages/estimate.py", errors_ok=True,
                   params=["70e9 param", "80e9 param"], tokens="1.4e12 token", hardware="H100 SXM5", chips="1024")
    said = [w.value.replace("\\", "") for w in at.warning if w.value.startswith("Ignored from the link: ")]
    assert any("params: given twice in the link, as '70e9 param' and '80e9 param'; give it once" in w
               for w in said), said
    assert at.text_input(key="in_params").value in ("", None), at.text_input(key="in_params").value


def test_the_same_value_twice_is_one_value():
    at = open_page("app_pages/estimate.py", params=["70e9 param", "70e9 param"], tokens="1.4e12 token")
    assert not [w.value for w in at.warning if w.value.startswith("Ignored from the link: ")]
