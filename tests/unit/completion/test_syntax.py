import pytest

from ollama_lsp.completion.syntax import Family, syntax_for


@pytest.mark.parametrize(
    ("language_id", "path", "family"),
    [
        ("go", "", Family.BRACE),
        ("python", "", Family.INDENTATION),
        ("ruby", "", Family.INDENTATION),
        ("html", "", Family.MARKUP),
        ("markdown", "", Family.MARKUP),
        ("yaml", "", Family.DATA),
        ("csv", "", Family.DATA),
        ("sql", "", Family.SQL),
        ("", "src/app/main.py", Family.INDENTATION),  # no language id: the extension
        ("", "config/settings.toml", Family.DATA),
        ("", "Makefile.unknown", Family.BRACE),  # nothing known: most code is brace code
        ("Python", "", Family.INDENTATION),
    ],
)
def test_family(language_id: str, path: str, family: Family) -> None:
    assert syntax_for(language_id, path).family is family


def test_language_tweaks() -> None:
    assert syntax_for("csv").one_line
    assert syntax_for("markdown").keeps_fences and not syntax_for("python").keeps_fences
    assert syntax_for("sql").statement_end == ";"
    assert syntax_for("c").allman and not syntax_for("go").allman
    assert "'" not in syntax_for("rust").quotes  # lifetimes
    assert syntax_for("ruby").closer.match("end")
    assert syntax_for("lua").continuation.match("elseif x then")
    assert syntax_for("yaml").same_level_body.match("- item")
