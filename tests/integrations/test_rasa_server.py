"""The launcher that hands Rasa its token, checked against Rasa's own argument parser."""

import textwrap

import pytest

from tests.support.rasa_python import run_in_rasa

pytestmark = pytest.mark.rasa

SCRIPT = textwrap.dedent(
    """
    import sys
    from integrations.rasa_server import rasa_argv
    from rasa.__main__ import create_argument_parser

    token = sys.argv[1]
    arguments = create_argument_parser().parse_args(rasa_argv(["run", "--enable-api"], token)[1:])
    print("token", arguments.auth_token == token)
    """
)


@pytest.mark.parametrize("token", ["-starts-with-a-dash_Xy9", "plain_token_0123456789"])
def test_rasa_reads_the_whole_token_even_when_it_starts_with_a_dash(token: str) -> None:
    """Defect: a generated token that began with "-" stopped Rasa at start-up (CI, 1 in 64)."""
    assert "token True" in run_in_rasa(SCRIPT, token)
