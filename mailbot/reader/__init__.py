"""Reading a mail as a careful person would: the text, the quotes, the form and its
values, a copy with every typed secret masked. It runs in the reading worker."""
