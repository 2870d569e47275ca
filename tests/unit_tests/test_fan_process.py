"""The forecast fan's helper process: the same fan as computed here, and never a lost one."""

from __future__ import annotations

import os
import select
import signal

import pytest

from finops_tui.content.levels import load_scenario
from finops_tui.engine.batch import forecast_fan, futures_of
from finops_tui.engine.game import new_game, start_decisions
from finops_tui.gameplay import fan_process
from finops_tui.gameplay.fan_process import HEADER, MAX_MESSAGE, FanProcess, FanProcessGone

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the helper is forked")


@pytest.fixture
def helper():
    process = FanProcess.fork()
    if process is None:
        pytest.skip("one core: the fan is computed in the app's own process")
    yield process
    process.close()


@pytest.fixture(scope="module")
def game():
    scenario = load_scenario("sandbox")
    state = new_game(scenario, 11)
    return scenario, state, start_decisions(scenario)


def alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return finished == 0


def test_the_helper_gives_the_fan_the_engine_gives(helper, game) -> None:
    scenario, state, decisions = game
    here = forecast_fan(scenario, state.batch, decisions, futures=300)
    assert helper.ask(scenario, state.batch, decisions, 300) == here
    spot = decisions.model_copy(
        update={"training": decisions.training.model_copy(update={"pricing": "spot"})}
    )
    assert helper.ask(scenario, state.batch, spot, 300) == forecast_fan(
        scenario, state.batch, spot, futures=300
    )
    assert not helper.failed


def test_a_request_the_engine_refuses_is_an_error_and_the_helper_goes_on(helper, game) -> None:
    scenario, state, decisions = game
    two_games = futures_of(state.batch, 2)
    with pytest.raises(ValueError, match="continues one game"):
        helper.ask(scenario, two_games, decisions, 10)
    assert helper.forecast(scenario, state.batch, decisions, 10) == forecast_fan(
        scenario, state.batch, decisions, futures=10
    )
    assert not helper.failed and alive(helper.pid)


def test_a_killed_helper_costs_no_fan(helper, game) -> None:
    scenario, state, decisions = game
    os.kill(helper.pid, signal.SIGKILL)
    with pytest.raises(FanProcessGone):
        helper.ask(scenario, state.batch, decisions, 10)
    fan = helper.forecast(scenario, state.batch, decisions, 10)
    assert fan == forecast_fan(scenario, state.batch, decisions, futures=10)
    assert helper.failed  # from now on, computed here
    assert helper.forecast(scenario, state.batch, decisions, 10) == fan
    helper.close()
    helper.close()  # twice is harmless
    assert not alive(helper.pid)


def test_the_helper_stands_back_from_the_game(helper, game) -> None:
    """The fan may come a moment later; a key's echo or a teammate's change may not. On a
    busy host the scheduler serves the game before its helper."""
    scenario, state, decisions = game
    helper.forecast(scenario, state.batch, decisions, 10)  # it is past its start
    game_niceness = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(19, game_niceness + fan_process.FAN_NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, helper.pid) == expected > game_niceness


def test_closing_ends_the_helper(helper, game) -> None:
    scenario, state, decisions = game
    helper.forecast(scenario, state.batch, decisions, 10)
    assert alive(helper.pid)
    helper.close()
    assert not alive(helper.pid)
    with pytest.raises(FanProcessGone):
        helper.ask(scenario, state.batch, decisions, 10)


def test_the_helper_holds_none_of_the_apps_files_open() -> None:
    # A hosted game's terminal must close when the game exits, not when its helper does:
    # here a pipe stands for the terminal; once the app closes its end, the reader
    # sees the end at once, though the helper still runs.
    read_end, write_end = os.pipe()
    process = FanProcess.fork()
    if process is None:
        pytest.skip("one core")
    try:
        os.close(write_end)
        readable, _, _ = select.select([read_end], [], [], 5.0)  # the helper lets go at once
        assert readable and os.read(read_end, 1) == b""  # nobody holds the write end
        assert alive(process.pid)
    finally:
        os.close(read_end)
        process.close()


def test_a_garbage_length_on_the_pipe_is_refused_not_allocated() -> None:
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, HEADER.pack(MAX_MESSAGE + 1))
        with pytest.raises(OSError, match="bytes on the fan's pipe"):
            fan_process.read_message(read_end)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_message_cut_short_is_the_end_of_the_pipe() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, HEADER.pack(10) + b"12345")
    os.close(write_end)
    try:
        assert fan_process.read_message(read_end) is None
    finally:
        os.close(read_end)


def test_a_message_larger_than_a_pipe_buffer_arrives_whole() -> None:
    payload = bytes(range(256)) * 1024  # 256 KB: several reads and writes
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            fan_process.write_message(write_end, payload)
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        assert fan_process.read_message(read_end) == payload
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)


def test_no_helper_on_one_core(monkeypatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert FanProcess.fork() is None
