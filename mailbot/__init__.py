"""mailbot: the Monitoringsysteem Huisverbod over e-mail."""
