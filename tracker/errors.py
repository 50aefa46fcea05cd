"""One typed error with a user-facing message in both languages; pages show it in one place."""


class TrackerError(Exception):
    def __init__(self, zh: str, en: str, detail: str = ""):
        super().__init__(en)
        self.zh, self.en, self.detail = zh, en, detail

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en
