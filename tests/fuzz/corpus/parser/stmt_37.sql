SELECT (1 + ;
