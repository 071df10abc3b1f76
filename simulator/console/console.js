// c2psim console
