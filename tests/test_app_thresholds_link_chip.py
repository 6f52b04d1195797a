"""The Thresholds page reads a link's chip as every other page does (fresh17): 'thresholds.hardware=h100' was
'expected a chip of data/hardware.csv' with no chip named, where Parallel layouts and Serving say 'did you mean H100
SXM5 ...?', and 'h100 sxm5' (how the command line and the other pages take it) was refused."""

from apppage import open_page


def test_a_misspelt_chip_in_a_link_is_told_the_nearest():
    at = open_page("app_pages/thresholds.py", **{"thresholds.hardware": "h100"})
    said = [w.value.replace("\\", "") for w in at.warning if w.value.startswith("Ignored from the link: ")]
    assert len(said) == 1 and "**Cluster hardware** (thresholds.hardware)" in said[0], said
    assert "unknown accelerator 'h100'; did you mean H100 SXM5" in said[0], said
    assert at.table  # the default chip drawn


def test_a_chip_in_another_case_is_that_chip():
    at = open_page("app_pages/thresholds.py", **{"thresholds.hardware": "a100 sxm4 80gb"})
    assert not [w.value for w in at.warning if w.value.startswith("Ignored from the link: ")]
    assert at.selectbox(key="th_hw").value == "A100 SXM4 80GB"
