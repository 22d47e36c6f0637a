"""Backup request models: schedules, retention and snapshot ids are checked before any playbook,
with the same rules for the routes and the playbooks (the operation table)."""

import pytest

from contract.models.backups import MAX_RETENTION_DAYS, check_schedule, check_snapshot_id
from contract.errors import InvalidInput
from contract.operations import check_input


def _fields(operation, data):
    with pytest.raises(InvalidInput) as caught:
        check_input(operation, data)
    return [detail["field"] for detail in caught.value.details]


@pytest.mark.parametrize(
    "schedule",
    ["0 3 * * *", "*/15 * * * *", "0 0-6/2 * * 1-5", "30 2 1,15 * *", "0 3 * jan-mar mon", "0 3 ? * SUN",
     "59 23 31 12 6", "0 3 1/2 * *", "@daily", "@hourly", "@weekly", "@monthly", "@yearly", "@annually", "@midnight"],
)
def test_enable_accepts_cron_schedules_and_macros(schedule):
    assert check_input("backup_enable", {"slug": "a-com", "retentionDays": 7, "schedule": schedule})["schedule"] == schedule


def test_runs_of_whitespace_become_single_spaces():
    assert check_schedule("  0\t3  * *   * ") == "0 3 * * *"


@pytest.mark.parametrize(
    "schedule",
    ["0 0 3 * * *", "0 3 * *", "", "   ", "60 3 * * *", "0 24 * * *", "0 3 0 * *", "0 3 32 * *", "0 3 * 0 *",
     "0 3 * 13 *", "0 3 * * 7", "0 3 * * -1", "*/0 * * * *", "*/61 * * * *", "5-1 * * * *", "1-2-3 * * * *",
     "1,,2 * * * *", "? * * * *", "0 3 * * funday", "every day at three", "@every 1h", "@reboot", "@daily 0",
     "TZ=UTC 0 3 * * *", "{{ lookup('pipe', 'id') }}", "0 3 * * *" + " *" * 200, "1/2/3 * * * *", "a * * * *"],
)
def test_enable_refuses_bad_schedules(schedule):
    assert _fields("backup_enable", {"slug": "a-com", "retentionDays": 7, "schedule": schedule}) == ["schedule"]


@pytest.mark.parametrize("days", [1, 14, MAX_RETENTION_DAYS])
def test_enable_accepts_retention_within_bounds(days):
    assert check_input("backup_enable", {"slug": "a-com", "retentionDays": days, "schedule": "@daily"})["retentionDays"] == days


@pytest.mark.parametrize("days", [0, -1, MAX_RETENTION_DAYS + 1, 10**9, 1.5, "14", None, True])
def test_enable_refuses_retention_out_of_bounds_or_not_a_whole_number(days):
    assert _fields("backup_enable", {"slug": "a-com", "retentionDays": days, "schedule": "@daily"}) == ["retentionDays"]


def test_enable_needs_both_settings_and_no_others():
    assert sorted(_fields("backup_enable", {"slug": "a-com"})) == ["retentionDays", "schedule"]
    assert _fields("backup_enable", {"slug": "a-com", "retentionDays": 7, "schedule": "@daily", "keep": 3}) == ["keep"]


def test_config_takes_either_setting_but_not_none():
    assert check_input("backup_config", {"slug": "a-com", "schedule": "@daily"}) == {
        "slug": "a-com", "retentionDays": None, "schedule": "@daily"}
    assert check_input("backup_config", {"slug": "a-com", "retentionDays": 30})["retentionDays"] == 30
    assert _fields("backup_config", {"slug": "a-com"}) == ["body"]
    assert _fields("backup_config", {"slug": "a-com", "schedule": "0 3 * *"}) == ["schedule"]


def test_restore_defaults_to_files_and_database():
    assert check_input("backup_restore", {"slug": "a-com", "snapshotId": "20260120T030000Z"}) == {
        "slug": "a-com", "snapshotId": "20260120T030000Z", "restoreFiles": True, "restoreDb": True}


@pytest.mark.parametrize(
    "snapshot_id",
    ["2026-01-20T03:00:00Z", "20260120T030000", "20260120030000Z", "20261320T030000Z", "20260230T030000Z",
     "20260120T250000Z", "20260120T036000Z", "latest", "a1b2c3d4", "", "20260120t030000z", "20260120T030000Z "],
)
def test_restore_refuses_what_is_not_a_snapshot_id(snapshot_id):
    assert _fields("backup_restore", {"slug": "a-com", "snapshotId": snapshot_id}) == ["snapshotId"]


def test_restore_needs_something_to_restore():
    assert _fields("backup_restore", {"slug": "a-com", "snapshotId": "20260120T030000Z",
                                      "restoreFiles": False, "restoreDb": False}) == ["body"]
    assert _fields("backup_restore", {"slug": "a-com", "snapshotId": "20260120T030000Z", "restoreDb": "yes"}) == ["restoreDb"]


def test_snapshot_ids_are_real_utc_times():
    assert check_snapshot_id("20240229T235959Z") == "20240229T235959Z"  # a leap day
    with pytest.raises(ValueError):
        check_snapshot_id("20230229T000000Z")


def test_purge_needs_the_exact_confirmation_and_the_others_no_body():
    assert check_input("backup_purge", {"slug": "a-com", "confirm": "DELETE"}) == {"slug": "a-com", "confirm": "DELETE"}
    assert _fields("backup_purge", {"slug": "a-com", "confirm": "delete"}) == ["confirm"]
    for operation in ("backup_disable", "backup_run", "backup_snapshots"):
        assert check_input(operation, {"slug": "a-com"}) == {"slug": "a-com"}
        assert _fields(operation, {"slug": "a-com", "force": True}) == ["force"]
    assert _fields("backup_run", {"slug": "Not A Slug"}) == ["slug"]
